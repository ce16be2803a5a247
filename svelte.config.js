import { vitePreprocess } from '@sveltejs/vite-plugin-svelte'

export default {
  preprocess: vitePreprocess(),
  // Parley's own components are runes-only; third-party ones keep whatever mode they were written in.
  vitePlugin: {
    dynamicCompileOptions: ({ filename }) => (filename.includes('/node_modules/') ? undefined : { runes: true })
  }
}
