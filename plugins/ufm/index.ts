/** The built-in `ufm` subnet-manager plugin; see `plugin.ts`. */
export { UfmPlugin, UFM_SPEC_VERSION, type UfmPluginDeps } from './plugin';
export { buildUfmBaseUrl, formatUfmPKey, MAX_GUIDS_PER_DELETE } from './url';
