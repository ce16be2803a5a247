// `npm run harness`: Parley in a browser tab, backed by the real core. With `--prosody`, also starts
// a private Prosody (as the integration tests do) and prints its address, for trying things out.
import { startProsody } from '../../test/helpers/prosody'
import { startHarness } from './server'

const withProsody = process.argv.includes('--prosody')
const server = withProsody ? await startProsody() : null
const harness = await startHarness({
  ...(server ? { extraCa: [server.certPem], allowInsecureUploadForLoopback: true } : {}),
  systemLocales: [Intl.DateTimeFormat().resolvedOptions().locale]
})
console.log(`Parley harness: ${harness.url}`)
if (server) console.log(`Private Prosody: domain ${server.domain}, host 127.0.0.1, STARTTLS port ${server.c2sPort}, Direct TLS port ${server.directTlsPort}`)
console.log('Ctrl+C to stop.')
const stop = async () => {
  await harness.close()
  await server?.cleanup()
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
