import type { AppContext } from '../api-context.js';
import type { ItemRow } from '../db/schema.js';
import { decidingRule, hostOfUrl } from '../domain/domain-rules.js';
import { VettedError } from '../domain/errors.js';

/**
 * "Open the live site" (issue 15): the board shows a site's vetted copy, except where the teacher chose
 * on purpose to open the live site (games and other interactive sites) — allowed only for domains on the
 * school's allow list, and judged again every time a board asks, so an allow rule taken away takes the
 * live site away with it.
 */
export async function liveSiteJudge(ctx: AppContext): Promise<(url: string) => boolean> {
  const rules = await ctx.repos.domainRules.list();
  return (url) => {
    const host = hostOfUrl(url);
    return !!host && decidingRule(rules, host)?.rule.action === 'allow';
  };
}

/** Throws 422 `live_site_not_allowed` unless the board may open this item's live site. */
export async function assertLiveSiteAllowed(ctx: AppContext, item: ItemRow): Promise<void> {
  if (item.kind !== 'webpage') {
    throw new VettedError('live_site_not_allowed', 'Only a web site can open live on the board; a video always plays from its vetted copy.', { httpStatus: 422 });
  }
  if (!(await liveSiteJudge(ctx))(item.url)) {
    const host = hostOfUrl(item.url) ?? item.url;
    throw new VettedError(
      'live_site_not_allowed',
      `${host} is not on the school's allow list, so the board can only show the copy you vetted. Ask your e-safety lead to allow ${host} if the class needs the live site.`,
      { httpStatus: 422 },
    );
  }
}
