#!/usr/bin/env node
/** The `qi-streaming` command. */
export {};
