import FindMyWay, { type HTTPMethod } from 'find-my-way';

const METHODS: HTTPMethod[] = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'];

/**
 * A copy of the route table, so that a request for a known path with the wrong method can be
 * answered 405 rather than 404 (Fastify's not-found handler cannot tell the two apart).
 */
export class RouteRegistry {
  private readonly router = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 1000 });
  private readonly known: Array<{ method: HTTPMethod; url: string }> = [];

  add(method: string | string[], url: string): void {
    for (const one of Array.isArray(method) ? method : [method]) {
      if (METHODS.includes(one as HTTPMethod) && !this.router.hasRoute(one as HTTPMethod, url)) {
        this.router.on(one as HTTPMethod, url, () => undefined);
        this.known.push({ method: one as HTTPMethod, url });
      }
    }
  }

  /** Every route, as registered (`:name` for a path parameter). */
  list(): ReadonlyArray<{ method: HTTPMethod; url: string }> {
    return this.known;
  }

  /** Methods that have a route for this concrete path. */
  allowedMethods(path: string): HTTPMethod[] {
    const pathOnly = path.split('?')[0];
    return METHODS.filter((method) => this.router.find(method, pathOnly) !== null);
  }
}
