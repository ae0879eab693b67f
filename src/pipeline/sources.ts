import type { ItemRow } from '../db/schema.js';
import { directMediaSource } from '../sources/direct-media.js';
import type { Source } from '../sources/types.js';

/** Picks the source module for an item. YouTube and web pages plug in here beside direct media. */
export function sourceFor(_item: ItemRow): Source {
  return directMediaSource;
}
