from tests.support.transfer_model import images, split_net  # noqa: F401  (fixtures)
