'use strict';
// The native action's post phase: revoke the token main saved (see entry.js).
require('./entry').run('post');
