/** The client-server API prefixes: v3, and r0 which older clients still call. */
export const CLIENT_API_PREFIXES = ['_matrix/client/v3', '_matrix/client/r0'];
