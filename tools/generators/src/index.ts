export {
  addPathMapping,
  insertPathEntry,
  PLUGIN_NAME_MAX_LENGTH,
  PLUGIN_NAME_PATTERN,
  pluginGenerator,
  pluginTemplateValues,
  RESERVED_PLUGIN_NAMES,
  validatePluginName,
  type PluginGeneratorSchema,
  type PluginTemplateValues,
} from './plugin/plugin-generator';
