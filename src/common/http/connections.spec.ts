import { clientErrorToMatrix } from './connections.js';

describe(clientErrorToMatrix.name, () => {
  it.each([
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'M_UNKNOWN'],
    ['HPE_HEADER_OVERFLOW', 431, 'M_TOO_LARGE'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413, 'M_TOO_LARGE'],
    ['HPE_INVALID_METHOD', 400, 'M_UNRECOGNIZED'],
    [undefined, 400, 'M_UNRECOGNIZED'],
  ])('answers %s with %i %s', (code, status, errcode) => {
    const error = clientErrorToMatrix(code);
    expect({ status: error.status, errcode: error.errcode }).toEqual({ status, errcode });
  });
});
