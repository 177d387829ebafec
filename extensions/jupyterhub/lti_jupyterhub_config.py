# LMS login (LTI 1.3) for a hub with the lessonkit course service. Load it after
# jupyterhub_config.py of this folder:
#
#     load_subconfig("/path/to/lessonkit_jupyterhub_config.py")
#     load_subconfig("/path/to/lti_jupyterhub_config.py")
#
# Learners and instructors then log in by clicking a lessonkit link in their LMS course; the
# platforms, the LMS courses (contexts) and the tool's key folder are in the `lti:` section of
# the service configuration ($LESSONKIT_HUB_CONFIG). Course groups are set at each launch
# (Authenticator.manage_groups), so JupyterHub.load_groups must stay empty. See docs/lms.md.
import os

from lessonkit.hub.hubconfig import add_lti_login

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

add_lti_login(c, config=os.environ["LESSONKIT_HUB_CONFIG"])
