"""The node canvas: graphics items mirroring one network, the scene and the view."""
