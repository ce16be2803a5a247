export interface Row {
  what: string
  value: number
  unit: string
  /** Against the floor measured in the same run (1 = the floor itself). */
  ratio?: number
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}

export function printTable(title: string, rows: Row[]): void {
  const width = Math.max(...rows.map((r) => r.what.length), 10)
  console.log(`\n${title}`)
  console.log(`${'measure'.padEnd(width)}  ${'median'.padStart(12)}  ${'× floor'.padStart(8)}`)
  for (const r of rows) {
    const value = `${r.value >= 100 ? r.value.toFixed(0) : r.value.toFixed(1)} ${r.unit}`
    const ratio = r.ratio === undefined ? '' : r.ratio.toFixed(2)
    console.log(`${r.what.padEnd(width)}  ${value.padStart(12)}  ${ratio.padStart(8)}`)
  }
}
