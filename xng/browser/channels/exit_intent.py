"""Exit Intent: a message held back until the pointer leaves the viewport through its top edge.

Desktop pointers only: touch screens have no pointer to leave the page, so nothing is armed there.
"""
from xng.browser import optout

armed = {'message': None, 'show': None}


def arm(message, show):
    """Hold `message` until the exit gesture, then call show(message) once."""
    if not window.matchMedia('(pointer: fine)').matches:
        return False
    if armed['message'] == None:  # noqa: E711
        document.addEventListener('mouseout', on_mouse_out)
    armed['message'] = message
    armed['show'] = show
    return True


def on_mouse_out(event):
    if armed['message'] == None or optout.is_opted_out():  # noqa: E711
        disarm()
        return
    if event.relatedTarget == None and event.clientY <= 0:  # noqa: E711 -- left the window, upwards
        message = armed['message']
        show = armed['show']
        disarm()
        show(message)


def disarm():
    armed['message'] = None
    armed['show'] = None
    document.removeEventListener('mouseout', on_mouse_out)
