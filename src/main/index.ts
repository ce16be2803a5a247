import { join } from 'node:path'
import { app, BrowserWindow } from 'electron'

const here = import.meta.dirname

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1100,
    height: 720,
    show: false,
    title: 'Parley',
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false
    }
  })
  win.once('ready-to-show', () => win.show())
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }))
  win.webContents.on('will-navigate', (e) => e.preventDefault())
  void win.loadFile(join(here, '../renderer/index.html'))
}

app.enableSandbox()
void app.whenReady().then(createWindow)
app.on('window-all-closed', () => app.quit())
