/** A video's details (title, channel, length, live, age and family flags, captions) from the watch page's player response. */
import type { CaptionTrack, VideoDetails } from '../video-site.js';

interface PlayerResponse {
  playabilityStatus?: { status?: string; reason?: string };
  videoDetails?: {
    videoId?: string;
    title?: string;
    author?: string;
    channelId?: string;
    lengthSeconds?: string;
    isLive?: boolean;
    isUpcoming?: boolean;
    isLiveContent?: boolean;
    thumbnail?: { thumbnails?: Array<{ url?: string; width?: number }> };
  };
  microformat?: {
    playerMicroformatRenderer?: {
      isFamilySafe?: boolean;
      lengthSeconds?: string;
      ownerChannelName?: string;
      ownerProfileUrl?: string;
      externalChannelId?: string;
      liveBroadcastDetails?: { isLiveNow?: boolean; startTimestamp?: string; endTimestamp?: string };
    };
  };
  captions?: {
    playerCaptionsTracklistRenderer?: {
      captionTracks?: Array<{
        baseUrl?: string;
        languageCode?: string;
        kind?: string;
        name?: { simpleText?: string; runs?: Array<{ text?: string }> };
      }>;
    };
  };
}

function httpsUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const u = new URL(raw, 'https://www.youtube.com/');
    if (u.protocol === 'http:') u.protocol = 'https:';
    return u.href;
  } catch {
    return undefined;
  }
}

/**
 * "Made for kids" is not a documented field of the watch page; when YouTube includes it, it is a boolean named
 * isMadeForKids somewhere in the player response. Best effort: null when absent.
 */
function madeForKidsIn(pr: unknown): boolean | null {
  const m = /"isMadeForKids":(true|false)/.exec(JSON.stringify(pr ?? {}));
  return m ? m[1] === 'true' : null;
}

export function detailsFromInfo(id: string, info: { player_response: unknown; videoDetails?: unknown }): VideoDetails {
  const pr = info.player_response as PlayerResponse;
  const vd = pr.videoDetails ?? {};
  const mf = pr.microformat?.playerMicroformatRenderer ?? {};
  const more = (info.videoDetails ?? {}) as { age_restricted?: boolean; media?: Record<string, unknown> };
  const tracks = pr.captions?.playerCaptionsTracklistRenderer?.captionTracks ?? [];
  const captions: CaptionTrack[] = [];
  for (const t of tracks) {
    const url = httpsUrl(t.baseUrl);
    if (!url || !t.languageCode) continue;
    captions.push({
      lang: t.languageCode,
      name: t.name?.simpleText ?? t.name?.runs?.map((r) => r.text ?? '').join('') ?? t.languageCode,
      url,
      auto: t.kind === 'asr',
    });
  }
  const thumbs = vd.thumbnail?.thumbnails ?? [];
  const licence = more.media?.license ?? more.media?.licence;
  const channelId = vd.channelId ?? mf.externalChannelId;
  const details: VideoDetails = {
    id: vd.videoId ?? id,
    title: vd.title ?? '',
    channel: vd.author ?? mf.ownerChannelName ?? '',
    durationSeconds: Number(mf.lengthSeconds ?? vd.lengthSeconds) || 0,
    isLive: vd.isLive === true || mf.liveBroadcastDetails?.isLiveNow === true,
    isUpcoming: vd.isUpcoming === true || pr.playabilityStatus?.status === 'LIVE_STREAM_OFFLINE',
    ageRestricted: more.age_restricted === true,
    familySafe: typeof mf.isFamilySafe === 'boolean' ? mf.isFamilySafe : null,
    madeForKids: madeForKidsIn(pr),
    captions,
  };
  const channelUrl = httpsUrl(mf.ownerProfileUrl) ?? (channelId ? `https://www.youtube.com/channel/${channelId}` : undefined);
  if (channelUrl) details.channelUrl = channelUrl;
  if (typeof licence === 'string' && licence) details.licence = licence;
  const thumb = httpsUrl(thumbs[thumbs.length - 1]?.url);
  if (thumb) details.thumbnailUrl = thumb;
  return details;
}
