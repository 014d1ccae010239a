import EmailPlugin
import FilePlugin
import HeraldCore
import LiveChatPlugin
import PushPlugin
import AudiencePlugin
import WebhookPlugin

/// The one list of channel plugins this build registers, by their `plugin = "…"` names.
let builtinPlugins = PluginRegistry([
    FilePlugin.self, WebhookPlugin.self, EmailPlugin.self, PushPlugin.self, AudiencePlugin.self,
    LiveChatPlugin.self,
])
