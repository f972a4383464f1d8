// Renders the cart total in the page.
export class CartView {
  constructor(element) {
    this.element = element;
  }

  render(totalCents) {
    const euros = (totalCents / 100).toFixed(2);
    this.element.textContent = `Total: ${euros} €`;
  }
}

export const formatSku = (sku) => sku.toUpperCase();
