"""NetCanvas graph core: layer specs, shape rules, the network model, validation,
presets and project files. Pure Python on networkx: never imports torch or Qt."""
