import { deprecationHeaders } from './legacy-surfaces.js';

describe('deprecation headers', () => {
  it('gives Deprecation as @unix-seconds, Sunset as an HTTP date and a successor link', () => {
    const headers = deprecationHeaders(new Date('2026-11-01T12:00:00.900Z'), new Date('2028-01-01T00:00:00Z'), '/graphql');
    expect(headers).toEqual({
      Deprecation: '@1793534400',
      Sunset: 'Sat, 01 Jan 2028 00:00:00 GMT',
      Link: '</graphql>; rel="successor-version"',
    });
  });

  it('leaves Sunset out when none is set', () => {
    expect(deprecationHeaders(new Date(0), null, '/x')).not.toHaveProperty('Sunset');
  });
});
