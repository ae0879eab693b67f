/**
 * Kept so code written against the old single root still compiles: the API's context is in `api-context.ts`, the
 * worker's (with the media adapter and the video sites) in `worker/context.ts`. Types only, so it loads nothing.
 */
export type { AppContext } from './api-context.js';
