/** The API's route for a worktree session's changes: every file it changed against its base, with the lines added and removed. */
import type { SessionEngine } from '../sessions/sessionEngine';
import type { Route } from './route';

export function worktreeRoutes(engine: SessionEngine): Route[] {
  return [
    {
      path: /^\/sessions\/([^/]+)\/diff$/,
      auth: true,
      methods: {
        GET: async ({ params }) => {
          const record = engine.require(params.name);
          const review = await engine.worktrees.review(params.name);
          const totals = review.files.reduce((sum, file) => ({ added: sum.added + (file.added ?? 0), removed: sum.removed + (file.removed ?? 0) }), { added: 0, removed: 0 });
          return [200, { session: record.name, branch: record.worktree!.branch, base: record.worktree!.base, mergeBase: review.mergeBase, files: review.files, ...totals }];
        },
      },
    },
  ];
}
