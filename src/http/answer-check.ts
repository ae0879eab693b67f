import { isDeepStrictEqual } from 'node:util';
import type { FastifyInstance } from 'fastify';

/**
 * For the tests: a route's response schema serialises its answer and silently drops any field it does not
 * declare (and turns a value into the declared type). This compares each JSON answer as the schema wrote it
 * with the plain JSON of what the handler returned, and fails the request when they differ, naming the route:
 * a field the presenters add but the contract (src/http/contract/) lacks is caught by the whole suite.
 * Install before the routes (hooks reach only routes registered after them).
 */
export function installAnswerCheck(app: FastifyInstance): void {
  const plain = new WeakMap<object, string>();
  app.addHook('preSerialization', async (_request, reply, payload) => {
    plain.set(reply, JSON.stringify(payload));
    return payload;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const expected = plain.get(reply);
    if (expected === undefined || typeof payload !== 'string') return payload;
    plain.delete(reply);
    if (!isDeepStrictEqual(JSON.parse(payload), JSON.parse(expected))) {
      const message = `The response schema of ${request.method} ${request.routeOptions.url} (status ${reply.statusCode}) changed the answer.\nhandler: ${expected}\nsent:    ${payload}`;
      console.error(message);
      throw new Error(message);
    }
    return payload;
  });
}
