export { FusedAdam } from './fused-adam';
