export { checkAddress, parseAllowList, type AddressVerdict, type AllowList } from './address.js';
export { parseFetchableUrl } from './url.js';
export {
  DEFAULT_USER_AGENT,
  downloadToFile,
  fetchBuffer,
  guardedRequest,
  policyFromConfig,
  type AcceptCheck,
  type AcceptInfo,
  type DownloadOptions,
  type FetchBufferOptions,
  type FetchedBuffer,
  type FetchPolicy,
  type GuardedRequestOptions,
  type GuardedResponse,
} from './fetcher.js';
