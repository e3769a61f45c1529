export const APP2WXAPP_STRATEGY = 'app2wxapp';

/** Logger context of every line this package writes. */
export const APP2WXAPP_LOGGER_CONTEXT = 'App2Wxapp';

export const DEFAULT_HOST = 'https://core.authing.cn';
export const DEFAULT_TIMEOUT_MS = 5000;
/** Authing's default ticket lifetime (user pool setting `ticketExpiresAfter`). */
export const DEFAULT_TICKET_TTL_MS = 120_000;

export const TICKET_HEADER = 'x-app2wxapp-ticket';
export const MAX_TICKET_LENGTH = 4096;
export const TICKET_PATTERN = /^[A-Za-z0-9._~+/=-]+$/;

/** Authing's own mini program that performs the WeChat authorisation (AppID wxa0435021fd7a3af2). */
export const AUTHING_MINI_PROGRAM_USERNAME = 'gh_a781a791e29e';
export const AUTHING_MINI_PROGRAM_PATH = '/routes/explore';

/** Upper bound of an upstream answer; a real user object is a few kilobytes. */
export const MAX_UPSTREAM_BODY_BYTES = 1024 * 1024;

export const RESOLVED_OPTIONS = Symbol('APP2WXAPP_RESOLVED_OPTIONS');
