// `npm run bench`: speed figures printed as tables, each next to a floor measured in the same run on
// the same machine (ratios, not absolute thresholds: this is not a test and cannot flake).
// Needs Prosody installed (as for the integration tests). Sections: `npm run bench -- login` etc.
import { startProsody } from '../../test/helpers/prosody'
import { benchLogin } from './login'
import { printTable } from './table'

const wanted = new Set(process.argv.slice(2))
const run = (name: string) => wanted.size === 0 || wanted.has(name)

const server = await startProsody({ logLevel: 'warn' })
try {
  console.log(`Prosody ${server.pid} on 127.0.0.1:${server.c2sPort}; Node ${process.version}; ${new Date().toISOString()}`)
  if (run('login')) printTable('Login (private Prosody on loopback)', await benchLogin(server))
} finally {
  await server.cleanup()
}
