"""The app's translations: Qt Linguist .ts sources here, .qm built from them into the cache at start."""
