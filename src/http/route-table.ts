import type { FastifyInstance } from 'fastify';
import type { Access, ClassScope } from './access.js';

export interface RouteRule {
  method: string;
  url: string;
  access: Access;
  /** For a `member` route: where the class it acts on is found. */
  scope?: ClassScope;
}

const tables = new WeakMap<object, RouteRule[]>();

/**
 * Records every route with its access rule as it is registered, so the rules can be shown to governors
 * (GET /api/admin/routes) and walked by the access-matrix test. Install before the route plugins.
 */
export function installRouteTable(app: FastifyInstance): void {
  const table: RouteRule[] = [];
  tables.set(app, table);
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (!access) return; // the access plugin refuses such a route
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      const scope = route.config?.scope;
      table.push({ method, url: route.url, access, ...(scope ? { scope } : {}) });
    }
  });
}

export function routeTableOf(app: FastifyInstance): readonly RouteRule[] {
  return tables.get(app) ?? [];
}
