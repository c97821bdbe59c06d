#!/usr/bin/env node
// The `tenure` command (package.json `bin`): loads the TypeScript CLI through tsx, as `npm start` runs the server.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
