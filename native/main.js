'use strict';
// The native action's main phase: mint the token (see entry.js).
require('./entry').run('main');
