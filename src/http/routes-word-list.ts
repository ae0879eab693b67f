import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../api-context.js';
import { MAX_ENTRY_LENGTH, MAX_LIST_ENTRIES } from '../domain/word-list.js';
import { changeWordList, wordList } from '../services/word-list.js';
import { staffOf } from './access.js';
import { WordList, withErrors } from './contract/index.js';

const Words = Type.Array(Type.String({ minLength: 1, maxLength: MAX_ENTRY_LENGTH }), { maxItems: MAX_LIST_ENTRIES });

/** The admin console's word list: what the word screen flags beside the library's list, and what it ignores. */
export const wordListRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/api/admin/word-list', { config: { access: 'admin' }, schema: { response: withErrors({ 200: WordList }) } }, async () => wordList(ctx));

  app.put(
    '/api/admin/word-list',
    {
      config: { access: 'admin' },
      schema: { body: Type.Object({ flag: Words, ignore: Words }, { additionalProperties: false }), response: withErrors({ 200: WordList }) },
    },
    async (request) => changeWordList(ctx, request.body, { userId: staffOf(request).user.id, ip: request.ip }),
  );
};
