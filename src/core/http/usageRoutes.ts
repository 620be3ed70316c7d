/**
 * The API's routes for what sessions cost and said: totals per session, job and day, a session's
 * budget, its conversation (JSON items or the Markdown document), and search across sessions.
 */
import { conversationMarkdown } from '../presentation/conversationMarkdown';
import type { SessionEngine } from '../sessions/sessionEngine';
import { validateBudget } from '../usage/budgets';
import { InstarError } from '../util/errors';
import { toApiSession } from './apiSession';
import { HttpError } from './httpRequest';
import type { Route } from './route';

/** Matches a search returns, at most. */
const MAX_SEARCH_MATCHES = 500;

export function usageRoutes(engine: SessionEngine): Route[] {
  return [
    { path: /^\/usage$/, auth: true, methods: { GET: async () => [200, engine.usage.report()] } },
    {
      path: /^\/search$/,
      auth: true,
      takes: { GET: { query: ['q', 'limit'] } },
      methods: {
        GET: async ({ query }) => {
          const limit = query.get('limit') === null ? 100 : Number(query.get('limit'));
          if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_MATCHES) throw new HttpError(400, `limit= must be a whole number from 1 to ${MAX_SEARCH_MATCHES}.`);
          return [200, await engine.search(query.get('q') ?? '', limit)];
        },
      },
    },
    {
      path: /^\/sessions\/([^/]+)\/budget$/,
      auth: true,
      takes: { POST: { body: ['budgetUsd'] } },
      methods: {
        POST: async ({ params, body }) => {
          const { budgetUsd } = await body();
          try {
            validateBudget(budgetUsd);
          } catch (error) {
            if (error instanceof InstarError) throw new HttpError(400, `"budgetUsd": ${error.message}`);
            throw error;
          }
          return [200, toApiSession(await engine.usage.setBudget(params.name, (budgetUsd as number | null | undefined) ?? undefined))];
        },
      },
    },
    {
      path: /^\/sessions\/([^/]+)\/conversation$/,
      auth: true,
      takes: { GET: { query: ['format'] } },
      methods: {
        GET: async ({ params, query, res }) => {
          const format = query.get('format') ?? 'json';
          if (format !== 'json' && format !== 'markdown') throw new HttpError(400, `format= must be json (the default) or markdown, not ${JSON.stringify(format)}.`);
          const record = engine.require(params.name);
          const reader = engine.conversation(params.name);
          if (reader) await reader.update();
          const items = reader?.items ?? [];
          if (format === 'json') return [200, { session: record.name, transcript: record.transcriptPath ?? null, items }];
          res.writeHead(200, { 'content-type': 'text/markdown; charset=utf-8', 'cache-control': 'no-store' });
          res.end(conversationMarkdown(record, items, record.transcriptPath).text);
          return undefined;
        },
      },
    },
  ];
}
