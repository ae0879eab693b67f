/** The HTTP contract's shapes (TypeBox): the routes declare their answers with them, the web app takes its types from them. */
export * from './common.js';
export * from './items.js';
export * from './classes.js';
export * from './staff.js';
export * from './governance.js';
export * from './admin.js';
