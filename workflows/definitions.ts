/**
 * The public surface of our workflows for operators and other processes: search
 * attributes (what the Temporal UI filters on), and later signals, updates and queries.
 * hack/stack.sh registers the same search attributes on the dev server; a unit test
 * keeps the two lists equal.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Pod name, for `PodName = 'x'` in the Temporal UI. */
export const PodName = defineSearchAttributeKey('PodName', SearchAttributeType.KEYWORD);
/** Pod namespace. */
export const PodNamespace = defineSearchAttributeKey('PodNamespace', SearchAttributeType.KEYWORD);
/** The pod workflow's stage (resolving, allocating, joining, annotating, configured, releasing, ...). */
export const IbStage = defineSearchAttributeKey('IbStage', SearchAttributeType.KEYWORD);
/** The node the pod runs on. */
export const IbNode = defineSearchAttributeKey('IbNode', SearchAttributeType.KEYWORD);
/** PKeys (canonical `0x5` form) the pod's interfaces are members of. */
export const IbPKeys = defineSearchAttributeKey('IbPKeys', SearchAttributeType.KEYWORD_LIST);
/** GUIDs (canonical colon form) held by the pod's interfaces. */
export const IbGuids = defineSearchAttributeKey('IbGuids', SearchAttributeType.KEYWORD_LIST);

/** Every custom search attribute, for registration and checks. */
export const SEARCH_ATTRIBUTES = [PodName, PodNamespace, IbStage, IbNode, IbPKeys, IbGuids] as const;
