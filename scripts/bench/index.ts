// `npm run bench`: speed figures printed as tables, each next to a floor measured in the same run on
// the same machine (ratios, not absolute thresholds: this is not a test and cannot flake).
// Needs Prosody installed (as for the integration tests). Sections: `npm run bench -- login` etc.
import { startProsody } from '../../test/helpers/prosody'
import { benchBurst } from './burst'
import { benchLogin } from './login'
import { benchStore } from './store'
import { benchUi } from './ui'
import { printTable } from './table'

const wanted = new Set(process.argv.slice(2))
const run = (name: string) => wanted.size === 0 || wanted.has(name)

console.log(`Node ${process.version}; ${new Date().toISOString()}`)
if (run('login')) {
  const server = await startProsody({ logLevel: 'warn' })
  try {
    printTable('Login (private Prosody on loopback)', await benchLogin(server))
  } finally {
    await server.cleanup()
  }
}
if (run('burst')) printTable('Incoming burst (scripted TLS server on loopback)', await benchBurst())
if (run('parser')) console.log('\n(parser: npm run bench:parser)')
if (run('ui')) printTable('The window (headless Chromium, harness, private Prosody)', await benchUi())
if (run('store')) printTable('History store: 1,000,000 messages (file database)', await benchStore())
