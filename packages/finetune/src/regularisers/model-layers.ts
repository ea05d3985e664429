import type { ConfigIssue } from '@kt/core';
import type { FinetuneConfig } from '../config-schema';
import { FEATURE_LAYER, HEAD_LAYER } from '../models/finetune-net';

/** The feature-map layers of the configured model (`conv1` … `convN`), known without building it. */
export function configuredMapLayers(config: FinetuneConfig): string[] {
  return config.model.channels.map((_, i) => `conv${i + 1}`);
}

/** Every layer of the configured model, in forward order. */
export function configuredLayers(config: FinetuneConfig): string[] {
  return [...configuredMapLayers(config), FEATURE_LAYER, HEAD_LAYER];
}

/** `layers` of a feature-map regulariser (AT, DELTA) that the model does not have as feature maps, as issues listing its layers. */
export function mapLayerIssues(layers: readonly string[] | undefined, config: FinetuneConfig, at: string): ConfigIssue[] {
  const maps = configuredMapLayers(config);
  return (layers ?? [])
    .filter((l) => !maps.includes(l))
    .map((l) => ({
      path: `${at}.layers`,
      message: `the model has no feature-map layer '${l}'; its layers are ${configuredLayers(config).join(', ')} (feature maps: ${maps.join(', ')})`,
    }));
}

/** The layers a feature-map regulariser reads: the configured ones, else every conv layer. */
export function chosenLayers(layers: readonly string[] | undefined, config: FinetuneConfig): string[] {
  return layers ? [...layers] : configuredMapLayers(config);
}
