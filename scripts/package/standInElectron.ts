// A stand-in for an unpacked Electron, so that electron-builder can package Parley without
// downloading Electron (`-c.electronDist=<dir>`). It is not runnable: its only content that
// matters is a fuse wire like Electron's, so that flipping the fuses can be checked too.
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** @electron/fuses finds the wire right after this marker in the binary. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
/**
 * Electron 45's default wire (version 1, eight fuses): RunAsNode on, cookie encryption off,
 * NODE_OPTIONS on, --inspect on, asar integrity off, only-asar off, V8 snapshot off, file://
 * privileges on. Bytes are ASCII '1'/'0'.
 */
const DEFAULT_WIRE = '10110001'

export async function createStandInElectron(dir: string, version: string): Promise<string> {
  await mkdir(dir, { recursive: true })
  const script = Buffer.concat([
    Buffer.from('#!/bin/sh\necho "This is a packaging stand-in, not Electron: install the real Electron to run Parley." >&2\nexit 1\n# '),
    Buffer.from(FUSE_SENTINEL, 'latin1'),
    Buffer.from([1, DEFAULT_WIRE.length]),
    Buffer.from(DEFAULT_WIRE, 'latin1'),
    Buffer.from('\n')
  ])
  const binary = join(dir, 'electron')
  await writeFile(binary, script)
  await chmod(binary, 0o755)
  await writeFile(join(dir, 'version'), version)
  await writeFile(join(dir, 'LICENSE'), 'Stand-in for the Electron license (MIT); the real file ships with Electron.\n')
  await writeFile(join(dir, 'LICENSES.chromium.html'), '<!doctype html><title>Stand-in</title>\n')
  return dir
}
