/**
 * How long a request may make the service act for it: the longest relative hold (`for`, a year) and the longest
 * watch (a day). Kept apart from the schema so configuration checks (retention must outlast both) do not load it.
 */
export const MAX_HOLD_MINUTES = 525_600;
export const MAX_WATCH_MINUTES = 1_440;
