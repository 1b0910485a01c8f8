export { deviceGlobalId, parseDeviceGlobalId } from './device-global-id.js';
export { uuid7 } from './uuid7.js';
