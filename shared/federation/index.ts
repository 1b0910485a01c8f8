export { EntityClient } from './entity-client.js';
