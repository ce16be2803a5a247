// How Parley's browser tests and benchmarks start Chromium (no vitest here: scripts import it too).

/** Debian's Chromium through its wrapper script (its `[: … unexpected operator` noise is harmless). */
export const CHROMIUM = '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // The wrapper means to add this when /dev/shm is small (CI containers: 64 MB) but its check breaks
  // when findmnt prints two lines; without it Chromium can crash there, so always pass it.
  '--disable-dev-shm-usage'
]
