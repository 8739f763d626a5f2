#!/usr/bin/env node
// nodis-server as ES modules, one file per module: what the tests start, and the entry from which
// the build makes dist/bundle/nodis-server.cjs, the one file the nodis-server command runs (bin.cts).

import { runServer } from './cli.js';

runServer();
