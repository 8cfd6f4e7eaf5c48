export {
  ConstraintError,
  PlacementCounts,
  explainCounts,
  formatConstraint,
  parseConstraints,
  renderAttributeValue,
  satisfies,
  satisfiesAll,
  satisfiesCounts,
} from './constraints';
export type { Constraint, ConstraintOperator, PlacedAgent, PlacementAgent } from './constraints';
export { placeNodes, planPlacements, takePorts } from './matcher';
export type {
  OfferRejection,
  OfferedAgent,
  PendingNode,
  Placement,
  PlacementRound,
  ResourceNeeds,
} from './matcher';
