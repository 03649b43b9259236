"""Front ends: thin shells that show a pure runtime's views and pass answers back."""
