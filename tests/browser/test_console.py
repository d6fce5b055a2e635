"""The console check itself: a widget manager's error is caught, another page error is not."""


def test_widget_errors_are_told_apart(page):
    page.set_content("<p>a page</p>")
    page.evaluate("console.error('Error: Could not create a view for model id 1a2b (widget manager)')")
    page.evaluate("console.error('Failed to load resource: the server responded with a status of 404')")
    page.evaluate("console.log('a widget message that is no error')")
    page.wait_for_timeout(200)
    assert len(page.console.errors) == 2
    assert page.console.widget_errors() == [
        "Error: Could not create a view for model id 1a2b (widget manager)"]
