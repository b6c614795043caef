"""The post page and the publish page: the site a reader uses with their wallet (SPEC §1)."""
