// Loaded before every test file (jest.preset.js setupFiles). tfjs's cpu backend prints an "install
// tfjs-node" banner, with a stack trace under jest, the first time it is used in a process. PROD only
// silences tfjs's console warnings, as the kt CLI does (IS_TEST would silence them too, but it also turns
// on tfjs's kernel leak check, which rejects its own composite ops). kt's own warnings go through its logger.
require('@tensorflow/tfjs-core').env().set('PROD', true);
