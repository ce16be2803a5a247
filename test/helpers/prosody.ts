// A private, throwaway Prosody 0.12 (Debian package) for integration tests: its own temp dir, free loopback
// ports, a self-signed cert, and a foreground process that this module owns and always kills.
// Background and gotchas: /work/shared/notes/prosody-test-server.md and xmpp-servers.md.
// Never run `prosody --version`: it is not a flag and starts the system server from /etc (G1).
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { once } from 'node:events'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

export type ProsodyLogLevel = 'debug' | 'info' | 'warn' | 'error'

export interface ProsodyPorts {
  c2s: number // STARTTLS
  directTls: number // XEP-0368 direct TLS
  http: number // websocket /xmpp-websocket, bosh /http-bind, uploads /file_share
}

export const PROSODY_DOMAINS = {
  main: 'localhost',
  example: 'example.test',
  noReg: 'noreg.localhost', // allow_registration = false
  sha256: 'sha256.localhost', // password_hash = "SHA-256": SCRAM-SHA-256 instead of SCRAM-SHA-1
  plainOnly: 'plain.localhost', // SCRAM disabled: only PLAIN after TLS
  noBlocking: 'noblock.localhost', // no mod_blocklist: no urn:xmpp:blocking
  conference: 'conference.localhost', // MUC with muc_mam
  upload: 'upload.localhost' // http_file_share
} as const

export type ProsodyDomains = typeof PROSODY_DOMAINS

export interface ProsodyOptions {
  logLevel?: ProsodyLogLevel // default 'info'
  extraConfig?: string // Lua appended globally, before the VirtualHosts (later options override earlier ones)
  certDir?: string // reuse test.key + test.crt from here (copied) instead of generating a new pair
  ports?: Partial<ProsodyPorts> // reuse ports, e.g. to start a second instance on a killed one's data
  dataDir?: string // reuse (and keep) this data_path; default: <dir>/data, removed by cleanup()
  startTimeoutMs?: number // default 15 s
}

export interface ProsodyServer {
  readonly dir: string
  readonly host: '127.0.0.1'
  readonly c2sPort: number
  readonly directTlsPort: number
  readonly httpPort: number
  readonly ports: ProsodyPorts
  readonly domain: 'localhost'
  readonly domains: ProsodyDomains
  readonly configPath: string
  readonly logPath: string
  readonly dataDir: string
  readonly certDir: string
  readonly certPath: string
  readonly keyPath: string
  readonly certPem: string
  readonly fingerprint256: string // colon-separated uppercase hex, as Node's X509Certificate.fingerprint256
  readonly pid: number
  readonly startMs: number // spawn until ready, of the latest (re)start
  readonly stopMs: number | null // SIGTERM until exit, of the latest stop
  register(user: string, host: string, password: string): void
  stop(): Promise<void>
  kill(): Promise<void>
  restart(o?: { newCertificate?: boolean }): Promise<void>
  cleanup(): Promise<void>
  logTail(lines?: number): string
}

const CERT_FILE = 'test.crt'
const KEY_FILE = 'test.key'
const STOP_GRACE_MS = 5_000

export async function startProsody(opts: ProsodyOptions = {}): Promise<ProsodyServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-prosody-'))
  try {
    const server = new LocalProsody(dir, opts)
    await server.prepare()
    await server.startWithRetry()
    return server
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}

class LocalProsody implements ProsodyServer {
  readonly host = '127.0.0.1'
  readonly domain = 'localhost'
  readonly domains = PROSODY_DOMAINS
  readonly dir: string
  readonly configPath: string
  readonly logPath: string
  readonly dataDir: string
  readonly certDir: string
  readonly certPath: string
  readonly keyPath: string
  ports: ProsodyPorts = { c2s: 0, directTls: 0, http: 0 }
  certPem = ''
  fingerprint256 = ''
  startMs = 0
  stopMs: number | null = null
  private child: ChildProcess | null = null
  private exited: Promise<void> = Promise.resolve()
  private dirRemoved = false
  private readonly opts: ProsodyOptions

  constructor(dir: string, opts: ProsodyOptions) {
    this.dir = dir
    this.opts = opts
    this.configPath = path.join(dir, 'prosody.cfg.lua')
    this.logPath = path.join(dir, 'prosody.log')
    this.dataDir = opts.dataDir ?? path.join(dir, 'data')
    this.certDir = path.join(dir, 'certs')
    this.certPath = path.join(this.certDir, CERT_FILE)
    this.keyPath = path.join(this.certDir, KEY_FILE)
  }

  get c2sPort(): number {
    return this.ports.c2s
  }
  get directTlsPort(): number {
    return this.ports.directTls
  }
  get httpPort(): number {
    return this.ports.http
  }
  get pid(): number {
    return this.child?.pid ?? 0
  }

  async prepare(): Promise<void> {
    await mkdir(this.dataDir, { recursive: true })
    await mkdir(this.certDir, { recursive: true })
    await mkdir(path.join(this.dir, 'plugins'))
    await writeFile(path.join(this.dir, 'plugins', 'mod_parley_parent_watch.lua'), PARENT_WATCH_PLUGIN)
    if (this.opts.certDir) await this.copyCert(this.opts.certDir)
    else await generateCert(this.certDir)
    await this.loadCert()
  }

  // Auto-picked ports can be taken by someone else between the probe and Prosody's bind (shared machine, G8):
  // then pick new ones. Ports the caller asked for are never changed.
  async startWithRetry(): Promise<void> {
    const fixed = this.opts.ports ?? {}
    for (let attempt = 1; ; attempt++) {
      this.ports = await pickPorts(fixed)
      await this.writeConfig()
      try {
        return await this.spawnAndWait()
      } catch (err) {
        const portRace = err instanceof PortTakenError
        const allFixed = fixed.c2s && fixed.directTls && fixed.http
        if (!portRace || allFixed || attempt >= 3) throw err
      }
    }
  }

  register(user: string, host: string, password: string): void {
    try {
      execFileSync('prosodyctl', ['--config', this.configPath, 'register', user, host, password], {
        stdio: 'pipe',
        timeout: 15_000
      })
    } catch (err) {
      const e = err as { stderr?: Buffer; stdout?: Buffer; message: string }
      const out = `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`.trim()
      throw new Error(`prosodyctl register ${user}@${host} failed: ${out || e.message}`)
    }
  }

  async stop(): Promise<void> {
    const child = this.child
    if (!child || !isAlive(child)) return
    const t0 = performance.now()
    child.ref() // the child is unref'd: without this, awaiting its exit would not keep the event loop alive
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
    await this.exited
    clearTimeout(timer)
    this.stopMs = performance.now() - t0
  }

  // Simulates a crash: no shutdown handlers run, the dir and data stay for restart().
  async kill(): Promise<void> {
    const child = this.child
    if (!child || !isAlive(child)) return
    child.ref()
    child.kill('SIGKILL')
    await this.exited
  }

  async restart(o: { newCertificate?: boolean } = {}): Promise<void> {
    if (this.dirRemoved) throw new Error('prosody: restart() after cleanup()')
    await this.stop()
    if (o.newCertificate) {
      await generateCert(this.certDir)
      await this.loadCert()
    }
    await this.spawnAndWait()
  }

  async cleanup(): Promise<void> {
    await this.stop()
    this.dirRemoved = true
    await rm(this.dir, { recursive: true, force: true })
  }

  logTail(lines = 40): string {
    return tail(readText(this.logPath), lines)
  }

  private async copyCert(from: string): Promise<void> {
    for (const file of [CERT_FILE, KEY_FILE]) {
      const src = path.resolve(from, file)
      const dst = path.join(this.certDir, file)
      if (src !== path.resolve(dst)) await copyFile(src, dst)
    }
  }

  private async loadCert(): Promise<void> {
    this.certPem = await readFile(this.certPath, 'utf8')
    this.fingerprint256 = new X509Certificate(this.certPem).fingerprint256
  }

  private async writeConfig(): Promise<void> {
    const config = prosodyConfig({
      dir: this.dir,
      dataDir: this.dataDir,
      certPath: this.certPath,
      keyPath: this.keyPath,
      ports: this.ports,
      logLevel: this.opts.logLevel ?? 'info',
      extraConfig: this.opts.extraConfig ?? ''
    })
    await writeFile(this.configPath, config)
  }

  private async spawnAndWait(): Promise<void> {
    // G8: a port that is busy now would make our readiness probe succeed against someone else's server.
    await assertPortsFree(this.ports)
    const t0 = performance.now()
    const logOffset = readText(this.logPath).length // the log is appended to across restarts
    const child = this.spawn()
    if (child.pid === undefined) {
      // ENOENT and friends: Node reports them as an 'error' event on the next tick
      const [err] = (await once(child, 'error')) as [Error]
      throw new Error(`prosody: cannot start 'prosody' (is the Debian package installed?): ${err.message}`)
    }
    try {
      await this.waitReady(child, logOffset, this.opts.startTimeoutMs ?? 15_000)
    } catch (err) {
      await this.kill()
      throw err
    }
    this.startMs = performance.now() - t0
  }

  private spawn(): ChildProcess {
    const out = openSync(path.join(this.dir, 'stdout.log'), 'a')
    try {
      // stdout to a file, not a pipe: nobody has to drain it and it survives for post-mortems
      const child = spawn('prosody', ['--config', this.configPath, '-F'], {
        cwd: this.dir,
        stdio: ['ignore', out, out]
      })
      this.child = child
      this.exited = new Promise((resolve) => child.once('exit', () => resolve()))
      track(child)
      // The 'exit' hook and the parent-watch plugin end it if we forget; don't let it hold the event loop.
      child.unref()
      return child
    } finally {
      closeSync(out)
    }
  }

  private async waitReady(child: ChildProcess, logOffset: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    const needLogLines = this.opts.logLevel === undefined || ['debug', 'info'].includes(this.opts.logLevel)
    for (;;) {
      const log = readText(this.logPath).slice(logOffset)
      if (!isAlive(child)) throw this.failure(`exited (${exitStatus(child)})`)
      if (log.includes('Failed to open server port')) throw new PortTakenError(this.failure('could not bind a port'))
      // "Activated service" is logged by *our* process after a successful bind (at info level)
      const bound = !needLogLines || this.boundServices().every((line) => log.includes(line))
      // The port accepts as soon as it is bound, ~150 ms before start-up ends; the stream is answered only by
      // the main loop, which runs once every host and module is loaded.
      if (bound && (await answersStream(this.ports.c2s))) return this.checkStartupLog(logOffset)
      if (Date.now() > deadline) throw this.failure(`not ready after ${timeoutMs} ms`)
      await sleep(15)
    }
  }

  // Prosody keeps running when a module fails to load (e.g. a typo in extraConfig): make that loud.
  private checkStartupLog(logOffset: number): void {
    const errors = readText(this.logPath).slice(logOffset).split('\n').filter((l) => l.includes('\terror\t'))
    if (errors.length > 0) throw this.failure(`logged errors while starting:\n${errors.join('\n')}`)
  }

  private boundServices(): string[] {
    const { c2s, directTls, http } = this.ports
    return [
      `Activated service 'c2s' on [127.0.0.1]:${c2s}`,
      `Activated service 'c2s_direct_tls' on [127.0.0.1]:${directTls}`,
      `Activated service 'http' on [127.0.0.1]:${http}`
    ]
  }

  private failure(what: string): Error {
    const log = this.logTail()
    const stdout = tail(readText(path.join(this.dir, 'stdout.log')), 20)
    return new Error(
      `prosody (pid ${this.pid}, config ${this.configPath}) ${what}.` +
        (log ? `\n--- prosody.log (tail) ---\n${log}` : '') +
        (stdout ? `\n--- stdout/stderr (tail) ---\n${stdout}` : '')
    )
  }
}

class PortTakenError extends Error {
  constructor(cause: Error) {
    super(cause.message)
    this.name = 'PortTakenError'
  }
}

// ---- config ----

interface ConfigInput {
  dir: string
  dataDir: string
  certPath: string
  keyPath: string
  ports: ProsodyPorts
  logLevel: ProsodyLogLevel
  extraConfig: string
}

export function prosodyConfig(c: ConfigInput): string {
  const d = PROSODY_DOMAINS
  const lua = (s: string): string => JSON.stringify(s) // a JSON string of a path is a valid Lua string
  const ssl = `{ certificate = ${lua(c.certPath)}; key = ${lua(c.keyPath)} }`
  return `-- Generated by test/helpers/prosody.ts for one test run. Do not edit.
run_as_root = true -- CI runs as root; without it mod_posix refuses to start and the process hangs (G2)
pidfile = ${lua(path.join(c.dir, 'prosody.pid'))}
data_path = ${lua(c.dataDir)}
plugin_paths = { ${lua(path.join(c.dir, 'plugins'))} } -- only ours, not /usr/local/lib/prosody/modules
admins = { }

log = {
  { levels = { min = ${lua(c.logLevel)} }, to = "file", filename = ${lua(path.join(c.dir, 'prosody.log'))} };
}

-- Loopback only, ports picked per run, no s2s
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { ${c.ports.c2s} }
c2s_direct_tls_ports = { ${c.ports.directTls} }
s2s_ports = { }
component_ports = { }
http_ports = { ${c.ports.http} }
http_interfaces = { "127.0.0.1" }
https_ports = { }
http_host = "localhost"
http_external_url = "http://localhost:${c.ports.http}/" -- upload slots must point at a name that resolves

-- One cert for every host; the direct TLS one is the default when the client sends no SNI (xmpps://127.0.0.1)
ssl = ${ssl}
c2s_direct_tls_ssl = ${ssl}
c2s_require_encryption = true

authentication = "internal_hashed"
default_iteration_count = 4096
-- Archives in memory: the file store collapses to ~37 msg/s under MAM load. Everything else (accounts, roster,
-- offline messages...) stays in files, so prosodyctl register and restarts keep the data.
default_storage = "internal"
storage = { archive = "memory"; muc_log = "memory" }

-- In-band registration without throttling (throttles only apply when these options are set; loopback is allowlisted)
allow_registration = true
registration_allowlist = { "127.0.0.1", "::1" }

archive_expires_after = "1d"
default_archive_policy = true
max_archive_query_results = 250
smacks_hibernation_time = 60
limits = { }
consider_websocket_secure = true
consider_bosh_secure = true

modules_enabled = {
  "roster"; "saslauth"; "tls"; "disco"; "posix";
  "register"; "blocklist"; "mam"; "carbons"; "smacks"; "csi_simple";
  "vcard4"; "vcard_legacy"; "pep"; "private"; "bookmarks"; "ping";
  "time"; "version"; "uptime"; "lastactivity"; "offline";
  "http"; "websocket"; "bosh";
  "parley_parent_watch";
}
-- mod_limits would throttle c2s to 10 kB/s
modules_disabled = { "s2s"; "dialback"; "limits"; "admin_shell"; }

${c.extraConfig}

VirtualHost "${d.main}"
VirtualHost "${d.example}"

VirtualHost "${d.noReg}"
  allow_registration = false

VirtualHost "${d.sha256}"
  password_hash = "SHA-256"

VirtualHost "${d.plainOnly}"
  disable_sasl_mechanisms = { "SCRAM-SHA-1"; "SCRAM-SHA-1-PLUS"; "SCRAM-SHA-256"; "SCRAM-SHA-256-PLUS"; "DIGEST-MD5" }

VirtualHost "${d.noBlocking}"
  modules_disabled = { "blocklist" } -- subtracted from the global list for this host only

Component "${d.conference}" "muc"
  modules_enabled = { "muc_mam" }
  restrict_room_creation = false

Component "${d.upload}" "http_file_share"
  http_file_share_size_limit = 10*1024*1024
`
}

// Prosody cannot notice that the Node process which started it died (SIGKILL of vitest, a crashed worker):
// it is re-parented and would live on. This global module polls its parent pid and shuts the server down.
const PARENT_WATCH_PLUGIN = `-- Generated by test/helpers/prosody.ts: stop when the test process that started us is gone.
module:set_global()

local function parent_pid()
  local f = io.open("/proc/self/stat")
  if not f then return nil end
  local stat = f:read("*l")
  f:close()
  -- "pid (comm) state ppid ...": comm may contain spaces and parentheses, so anchor on the last ")"
  return tonumber(stat:match(".*%) %S+ (%d+)"))
end

local parent = parent_pid()
if not parent then return end
module:add_timer(0.5, function()
  if parent_pid() ~= parent then
    module:log("warn", "Parent process %d is gone, shutting down", parent)
    -- shutdown must run in the main async thread, as mod_posix does for SIGTERM
    prosody.main_thread:run(function()
      prosody.unlock_globals()
      prosody.shutdown("test parent process gone", 1)
      prosody.lock_globals()
    end)
    return nil
  end
  return 0.5
end)
`

// ---- certificate ----

const SAN = [...Object.values(PROSODY_DOMAINS).map((d) => `DNS:${d}`), 'IP:127.0.0.1'].join(',')

// Node rejects a *.localhost wildcard (fewer than 3 labels, G4), so every name is listed.
async function generateCert(certDir: string): Promise<void> {
  await execFileAsync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650',
    '-keyout', path.join(certDir, KEY_FILE), '-out', path.join(certDir, CERT_FILE),
    '-subj', '/CN=localhost', '-addext', `subjectAltName=${SAN}`
  ])
}

// ---- ports ----

async function pickPorts(fixed: Partial<ProsodyPorts>): Promise<ProsodyPorts> {
  // hold all probes open at once so the three ports differ
  const probes = await Promise.all([0, 1, 2].map(() => listenOn(0)))
  const free = probes.map((s) => (s.address() as net.AddressInfo).port)
  await Promise.all(probes.map(closeServer))
  return {
    c2s: fixed.c2s ?? free[0] ?? 0,
    directTls: fixed.directTls ?? free[1] ?? 0,
    http: fixed.http ?? free[2] ?? 0
  }
}

async function assertPortsFree(ports: ProsodyPorts): Promise<void> {
  for (const [name, port] of Object.entries(ports)) {
    const s = await listenOn(port).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`prosody: port ${port} (${name}) on 127.0.0.1 is already in use (${err.code})`)
    })
    await closeServer(s)
  }
}

function listenOn(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(s))
  })
}

function closeServer(s: net.Server): Promise<void> {
  return new Promise((resolve) => s.close(() => resolve()))
}

// Connects to the c2s port and resolves true once the server answers our stream header with its own.
function answersStream(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    let text = ''
    const sock = net.connect(port, '127.0.0.1')
    const done = (ok: boolean): void => {
      clearTimeout(timer)
      sock.destroy()
      resolve(ok)
    }
    const timer = setTimeout(() => done(false), 2_000)
    sock.once('connect', () => {
      sock.write(
        "<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' " +
          "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
      )
    })
    sock.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8')
      if (text.includes('<stream:stream')) done(true)
    })
    sock.once('error', () => done(false))
    sock.once('close', () => done(false))
  })
}

// ---- process bookkeeping ----

const live = new Set<ChildProcess>()
let exitHookInstalled = false

// Last resort if a test run forgets stop()/cleanup(): SIGKILL is synchronous enough for an 'exit' handler.
function track(child: ChildProcess): void {
  live.add(child)
  child.once('exit', () => live.delete(child))
  child.on('error', () => live.delete(child)) // handled in spawnAndWait; must not crash the process
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL')
  })
}

// A zombie still answers kill(0) (G9): trust only Node's own bookkeeping of the child.
function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && child.pid !== undefined
}

function exitStatus(child: ChildProcess): string {
  return child.signalCode ? `signal ${child.signalCode}` : `code ${child.exitCode}`
}

// ---- small utilities ----

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
