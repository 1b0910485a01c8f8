export { uuid7 } from './uuid7.js';
