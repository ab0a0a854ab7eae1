"""mcuforge's PlatformIO dev-platform: everything comes from the generated project and board manifest."""

from platformio.public import PlatformBase


class McuforgePlatform(PlatformBase):
    def is_embedded(self):
        return True
