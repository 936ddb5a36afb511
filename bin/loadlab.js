#!/usr/bin/env node
// The `loadlab` executable. The commands are TypeScript: tsx (a dependency) is registered first, as
// `npm run` does with `tsx FILE`, so every command runs the same code either way.
await import('tsx');
await import('./main.ts');
