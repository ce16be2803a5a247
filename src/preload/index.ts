import { contextBridge } from 'electron'

// The typed bridge arrives with the app issue; until then the page gets nothing from Node.
contextBridge.exposeInMainWorld('parley', Object.freeze({}))
