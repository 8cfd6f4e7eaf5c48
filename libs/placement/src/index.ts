export {
  ConstraintError,
  PlacementCounts,
  formatConstraint,
  parseConstraints,
  renderAttributeValue,
  satisfies,
  satisfiesAll,
  satisfiesCounts,
} from './constraints';
export type { Constraint, ConstraintOperator, PlacementAgent } from './constraints';
export { planPlacements, takePorts } from './matcher';
export type { OfferedAgent, PendingNode, Placement, ResourceNeeds } from './matcher';
